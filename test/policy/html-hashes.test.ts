// Exact hashes of inline code in built HTML (what `cinch hash` prints).
import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { hashDirectives, inlineHashes } from "../../server/policy/html-hashes.ts";

const sha = (s: string) => `'sha256-${createHash("sha256").update(s, "utf8").digest("base64")}'`;

describe("inlineHashes", () => {
  test.each([
    {
      name: "script text is hashed exactly, whitespace included",
      html: "<script>\n  a=1;\n</script>",
      items: [["script-src-elem", sha("\n  a=1;\n")]],
    },
    {
      name: "script text is raw: entities are not decoded",
      html: "<script>if (a &amp;&amp; b) {}</script>",
      items: [["script-src-elem", sha("if (a &amp;&amp; b) {}")]],
    },
    {
      name: "CRLF is normalized to LF first (HTML input preprocessing)",
      html: "<script>a=1;\r\nb=2;</script>",
      items: [["script-src-elem", sha("a=1;\nb=2;")]],
    },
    {
      name: "external and data-block scripts are skipped",
      html: '<script src="a.js"></script><script type="application/ld+json">{}</script>',
      items: [],
    },
    {
      name: "modules and import maps count",
      html: '<script type="module">a</script><script type="importmap">{}</script>',
      items: [
        ["script-src-elem", sha("a")],
        ["script-src-elem", sha("{}")],
      ],
    },
    { name: "styles", html: "<style>b{c:d}</style>", items: [["style-src-elem", sha("b{c:d}")]] },
    {
      name: "handler attributes are entity-decoded",
      html: '<a onclick="go(&quot;x&quot;)">x</a>',
      items: [["script-src-attr", sha('go("x")')]],
    },
    {
      name: "style attributes",
      html: '<p style="color:red">x</p>',
      items: [["style-src-attr", sha("color:red")]],
    },
    { name: "empty elements are skipped", html: "<script></script><style></style>", items: [] },
  ])("$name", ({ html, items }) => {
    expect(inlineHashes(html).map((i) => [i.directive, i.hash])).toEqual(items);
  });

  test("line numbers and previews", () => {
    const [item] = inlineHashes("<html>\n<body>\n<script>\n   window.x = 1;   </script>");
    expect(item).toMatchObject({ line: 3, where: "script", preview: "window.x = 1;" });
  });

  test("hashDirectives: one line per directive, attributes with 'unsafe-hashes'", () => {
    const items = inlineHashes('<script>a</script><script>a</script><b onclick="c"></b>');
    expect(hashDirectives(items)).toEqual([
      `script-src-elem ${sha("a")}`,
      `script-src-attr 'unsafe-hashes' ${sha("c")}`,
    ]);
  });
});
