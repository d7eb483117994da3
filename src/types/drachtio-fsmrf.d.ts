// drachtio-fsmrf ships no types; src/media/media-server.ts describes the parts the platform uses.
declare module 'drachtio-fsmrf' {
  const Mrf: unknown;
  export default Mrf;
}
