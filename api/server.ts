/**
 * `npm run api`: serves the HTTP API. Binds to 127.0.0.1 unless HOST says otherwise, and refuses a
 * non-loopback address without API_KEYS. Drains on SIGTERM/SIGINT.
 */
import { ledgerName, onStopSignal, openLedger, refuseOpenBindWithoutKeys, startProcess } from '../config/start-up';
import { listen } from './listen';
import { buildApi } from './wiring';

const started = startProcess('baton-api');
const { config, log } = started;
refuseOpenBindWithoutKeys(started);
const database = await openLedger(started);
const api = await buildApi({ config, database, log });
const server = await listen(api.app.fetch, config.HOST, config.PORT);
log.info({ url: server.url, temporal: config.temporalAddress, database: ledgerName(config), auth: config.API_KEYS.length > 0 }, 'API listening');

onStopSignal(log, 'shutting down: finishing in-flight requests', () => {
  void (async () => {
    await api.closeStreams(); // open event streams would hold server.close() forever
    await server.close();
    await api.close();
    await database.close();
    process.exit(0);
  })();
});
