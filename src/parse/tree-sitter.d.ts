// tree-sitter-python ships no type declarations of its own.
declare module "tree-sitter-python" {
  const language: unknown;
  export default language;
}
