// kinesalite and dynalite ship no types: both export a factory of node http servers.
declare module 'kinesalite' {
  const create: (options?: Record<string, unknown>) => import('node:http').Server;
  export default create;
}
declare module 'dynalite' {
  const create: (options?: Record<string, unknown>) => import('node:http').Server;
  export default create;
}
