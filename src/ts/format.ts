import * as prettier from "prettier";

/** Prettier, with the settings generated code is kept in. */
export function formatTypeScript(code: string): Promise<string> {
  return prettier.format(code, { parser: "typescript", printWidth: 100 });
}
