// Typeset LaTeX strings with KaTeX the way a notebook or GitHub would, and report every error.
// Input (stdin): a JSON list of {"id": ..., "latex": ..., "display": true|false}. Output: a JSON list of
// {"id": ..., "error": message} for the strings that fail (an empty list when all typeset).
const katex = require("katex");
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const failures = [];
  for (const item of JSON.parse(input)) {
    try {
      katex.renderToString(item.latex, { displayMode: item.display, throwOnError: true, strict: "error" });
    } catch (error) {
      failures.push({ id: item.id, error: String(error.message || error) });
    }
  }
  process.stdout.write(JSON.stringify(failures));
});
