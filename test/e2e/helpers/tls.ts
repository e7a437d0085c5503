// Throwaway self-signed certificates for HTTPS test servers (the demo's generator, shared by the e2e tests).
export { selfSignedCert, type Certificate } from "../../../demo/tls.ts";
