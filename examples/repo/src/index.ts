import { handleAccount, type Request } from "./routes/account.ts";
import { UserStore } from "./users/store.ts";

/** The service: one store and a request handler. */
export function createApp() {
  const store = new UserStore();
  return { handle: (request: Request) => handleAccount(store, request) };
}
