/**
 * The HTML the server sends at `/`: a frame, the stylesheet and the client module. Everything else is
 * drawn by the client. It carries no secrets (it is served without a key): only the task types and the
 * settings' descriptions, for forms.
 */
import type { PageMeta } from './client/types';

export function Shell({ meta }: { meta: PageMeta }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>Baton dashboard</title>
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/assets/app.css" />
        <script type="module" src="/assets/app.js" />
      </head>
      <body>
        <div id="app" data-meta={JSON.stringify(meta)}>
          <noscript>
            <p>
              The dashboard needs JavaScript. The API is documented at <a href="/docs">/docs</a>.
            </p>
          </noscript>
        </div>
      </body>
    </html>
  );
}
