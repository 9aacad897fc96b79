// Custom elements manifest for the npm build of <selfservice-portal>:
// `npx cem analyze --litelement --config widget/custom-elements-manifest.config.mjs` (build.mjs runs it).
const SOURCE = /^\/?widget\/src\/(.*)\.[jt]s$/;

/** The manifest describes the published package, whose modules are the emitted `.js` files. */
function toPackagePath(value) {
  if (typeof value === "string") return value.replace(SOURCE, "$1.js");
  if (Array.isArray(value)) return value.map(toPackagePath);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, toPackagePath(inner)]),
    );
  }
  return value;
}

/** Users see the public API only: no module-private helpers, private members or internal state. */
function publicOnly(module) {
  const exported = new Set((module.exports ?? []).map((entry) => entry.declaration?.name));
  const declarations = (module.declarations ?? [])
    .filter((declaration) => exported.has(declaration.name))
    .map((declaration) => ({
      ...declaration,
      ...(declaration.members
        ? {
            members: declaration.members.filter(
              (member) => member.privacy !== "private" && !member.name.startsWith("#"),
            ),
          }
        : {}),
      ...(declaration.attributes
        ? {
            attributes: declaration.attributes.filter(
              (attribute) => !attribute.name.startsWith("_"),
            ),
          }
        : {}),
    }));
  return { ...module, declarations };
}

export default {
  globs: ["widget/src/**/*.ts"],
  outdir: "dist/widget-npm",
  litelement: true,
  // The analyzer would otherwise add a "customElements" field to the repository's package.json.
  packagejson: false,
  plugins: [
    {
      name: "tarif-package-paths",
      packageLinkPhase({ customElementsManifest }) {
        customElementsManifest.modules = toPackagePath(customElementsManifest.modules).map(
          publicOnly,
        );
      },
    },
  ],
};
