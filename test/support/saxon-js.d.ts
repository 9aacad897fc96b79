// The few SaxonJS 2 calls the CII validation helper uses (the package ships no types).
declare module "saxon-js" {
  const SaxonJS: {
    transform(
      options: { stylesheetInternal: unknown; sourceText: string; destination: "serialized" },
      mode: "async",
    ): Promise<{ principalResult: string }>;
    getResource(options: { text: string; type: "xml" }): Promise<unknown>;
    XPath: {
      evaluate(
        xpath: string,
        context: unknown,
        options?: { namespaceContext?: Record<string, string>; resultForm?: "array" },
      ): unknown;
    };
  };
  export default SaxonJS;
}
