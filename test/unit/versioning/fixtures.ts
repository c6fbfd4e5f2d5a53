/** iterative/example-get-started data/data.xml.dvc at main: 296 bytes, DVC 3 import (formats.md A.5, C.5). */
export const DATA_XML_DVC_V3 = `md5: f5ea021eddd7b1df6de80b904cba1da6
frozen: true
deps:
- path: get-started/data.xml
  repo:
    url: https://github.com/iterative/dataset-registry
    rev_lock: f59388cd04276e75d70b2136597aaa27e7937cc3
outs:
- md5: 22a1a2931c8370d3aeedd7183606fd7f
  size: 14445097
  hash: md5
  path: data.xml
`;

/**
 * Same file at refs/pull/18/head (DVC 2.x). Rebuilt from formats.md C.3: `size` and `desc`
 * are filtered out of the stage hash, so their exact values do not matter.
 */
export const DATA_XML_DVC_V2 = `md5: a7cd139231cc35ed63541ce3829b96db
frozen: true
deps:
- path: get-started/data.xml
  repo:
    url: https://github.com/iterative/dataset-registry
    rev_lock: ba014f40e29670421a67cb1c47543f402348aa13
outs:
- md5: a304afb96060aad90176268345e10355
  size: 37891850
  path: data.xml
  desc: Cats and dogs dataset
`;

/** The directory-import text asserted by DVC's TestImport.test_import_dir (A.5), placeholders filled in. */
export function dirImportText(stageMd5: string, depMd5: string): string {
  return `md5: ${stageMd5}
frozen: true
deps:
- md5: ${depMd5}
  size: 11
  nfiles: 2
  hash: md5
  path: remote://workspace/dir
outs:
- md5: b6dcab6ccd17ca0a8bf4a215a37d14cc.dir
  size: 11
  nfiles: 2
  hash: md5
  path: dir
`;
}
