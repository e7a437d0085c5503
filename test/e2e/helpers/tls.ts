// Throwaway self-signed certificates for HTTPS test servers (the demo's generator, shared by the e2e tests).
export { LOOPBACK_NAMES, selfSignedCert, type Certificate } from "../../../demo/tls.ts";
