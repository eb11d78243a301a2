/**
 * Saves an export. Without a key a plain link lets the browser stream the file to disk; with a key the
 * request needs its header, so it is fetched and handed over as a blob.
 */
import { request } from './api';

export async function downloadWithKey(url: string, fallbackName: string): Promise<void> {
  const res = await request(url, { headers: { Accept: '*/*' } });
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const blob = await res.blob();
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
