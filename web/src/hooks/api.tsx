// ApiContext: the client instance pages use (the app provides one; tests provide a mock).
import { createContext, useContext } from "react";
import type { ApiClient } from "../api/client.ts";

export const ApiContext = createContext<ApiClient | null>(null);

/** The API client of the nearest ApiContext provider. */
export function useApi(): ApiClient {
  const api = useContext(ApiContext);
  if (!api) throw new Error("useApi outside ApiContext");
  return api;
}
