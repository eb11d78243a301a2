/**
 * The API key, kept for this browser session only (sessionStorage): closing the tab forgets it. `epoch`
 * changes whenever the key does, so the app remounts and every request and stream starts over with it.
 */
import { createStore } from './store';

const STORAGE_KEY = 'baton.apiKey';

export interface AuthState {
  key: string | null;
  /** Set when the API answered 401: the page asks for a key. */
  needed: boolean;
  /** The message of the last 401, shown in the prompt (e.g. "the API key is not valid"). */
  message: string | null;
  epoch: number;
}

function storedKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: the key lives as long as the page
  }
}

export const auth = createStore<AuthState>({ key: storedKey(), needed: false, message: null, epoch: 0 });

export function setApiKey(key: string): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    // see storedKey
  }
  auth.set({ key, needed: false, message: null, epoch: auth.get().epoch + 1 });
}

export function forgetKey(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // see storedKey
  }
  auth.set({ key: null, needed: false, message: null, epoch: auth.get().epoch + 1 });
}

export function keyRefused(message: string): void {
  const s = auth.get();
  if (!s.needed) auth.set({ ...s, needed: true, message });
}

export function authHeaders(): Record<string, string> {
  const key = auth.get().key;
  return key ? { Authorization: `Bearer ${key}` } : {};
}
