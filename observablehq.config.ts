// Observable Framework configuration of the report site. Built by engine/site/build.ts (`buildSite`),
// which passes the study's database, its private copy of src/ and the output folder through the environment.
// Everything here keeps the site offline: no web fonts (globalStylesheets: []), no build-date footer
// (reproducible output), .ts loaders run through tsx, and links keep their .html so any static server
// (or a sub-path of one) serves the pages.
export default {
  title: process.env.BENCHBOOK_TITLE || "benchbook report",
  root: process.env.BENCHBOOK_SITE_ROOT || "src",
  output: process.env.BENCHBOOK_OUT || "dist",
  style: "style.css",
  globalStylesheets: [],
  head: "",
  header: "",
  footer: "",
  search: false,
  linkify: false,
  preserveExtension: true,
  preserveIndex: true,
  pager: true,
  toc: false,
  pages: [
    {name: "Timing & scaling", path: "/timing"},
    {name: "Correctness", path: "/correctness"},
    {name: "GPU & throughput", path: "/gpu"},
    {name: "Runs", path: "/runs"}
  ],
  interpreters: {".ts": ["node", "--import", "tsx"]}
};
