// Binary files imported as wrangler Data modules (see [[rules]] in wrangler.toml).
declare module "*.ttf" {
  const data: ArrayBuffer;
  export default data;
}
declare module "*.icc" {
  const data: ArrayBuffer;
  export default data;
}
