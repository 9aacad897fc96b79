// A D1 binding for the benches that remembers every statement sent (each one of a batch too)
// with its parameters: the benches count them and run EXPLAIN QUERY PLAN on each afterwards.
export interface Sent {
  sql: string;
  params: unknown[];
}

/** Remembers every statement sent (each one of a batch too) with its parameters. */
export function recording(d1: D1Database, sent: Sent[]): D1Database {
  const originals = new WeakMap<object, D1PreparedStatement>();
  const sentOf = new WeakMap<object, Sent>();
  const wrap = (statement: D1PreparedStatement, sql: string, params: unknown[]) => {
    const record: Sent = { sql, params };
    const proxy: D1PreparedStatement = new Proxy(statement, {
      get(target, property) {
        if (property === "bind")
          return (...values: unknown[]) => wrap(target.bind(...values), sql, values);
        if (typeof property === "string" && ["run", "all", "first", "raw"].includes(property))
          return (...args: unknown[]) => {
            sent.push(record);
            return (Reflect.get(target, property, target) as (...a: unknown[]) => unknown).apply(
              target,
              args,
            );
          };
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    originals.set(proxy, statement);
    sentOf.set(proxy, record);
    return proxy;
  };
  return new Proxy(d1, {
    get(target, property) {
      if (property === "prepare") return (sql: string) => wrap(target.prepare(sql), sql, []);
      if (property === "batch")
        return (statements: D1PreparedStatement[]) => {
          for (const statement of statements) sent.push(sentOf.get(statement)!);
          return target.batch(statements.map((s) => originals.get(s) ?? s));
        };
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
