/**
 * "Importing" MLflow runs means reading them in place: the store's path is added to
 * `experiments.mlflow` in mlops.yaml (comments and layout kept), nothing is copied, and MLflow
 * stays the owner of its data. A copy would go stale the moment MLflow logs again.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { CONFIG_VERSION, configPath } from '../config/config.ts';
import { MlopsError } from '../errors.ts';
import { writeFileAtomic } from '../fsutil.ts';
import { isMlflowFileStore } from './mlflowFiles.ts';
import { resolveStorePath } from './settings.ts';
import { labelOf } from './sources.ts';

export interface ImportResult {
  /** As written to mlops.yaml: workspace-relative POSIX path (absolute when outside). */
  entry: string;
  kind: 'files' | 'sqlite';
  added: boolean;
  /** Found without configuration anyway (the workspace's own mlruns/ or mlflow.db). */
  discovered: boolean;
}

async function storeKind(abs: string): Promise<'files' | 'sqlite'> {
  let st;
  try {
    st = statSync(abs);
  } catch {
    throw new MlopsError('not-found', `${abs} does not exist`, { hint: 'give the path of an mlruns/ folder or an mlflow.db file' });
  }
  if (st.isDirectory()) {
    if (await isMlflowFileStore(abs)) return 'files';
    throw new MlopsError('format', `${abs} is not an MLflow file store: it has no <experiment id>/meta.yaml`, {
      hint: 'point at the folder MLflow writes (usually mlruns/), or at an mlflow.db file',
    });
  }
  const head = Buffer.alloc(16);
  const fd = openSync(abs, 'r');
  try {
    readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (st.size > 0 && head.toString('latin1') !== 'SQLite format 3\0') {
    throw new MlopsError('format', `${abs} is neither an MLflow file store folder nor an SQLite database`, { hint: 'give the path of an mlruns/ folder or an mlflow.db file' });
  }
  return 'sqlite';
}

/** Add `store` (a path, `sqlite:///…` or `file://…` URI) to `experiments.mlflow` of `root`'s mlops.yaml. */
export async function addMlflowStore(root: string, store: string, cwd = root): Promise<ImportResult> {
  const abs = resolveStorePath(cwd, store);
  const kind = await storeKind(abs);
  const entry = labelOf(root, abs);
  const discovered = path.resolve(abs) === path.resolve(root, 'mlflow.db') || (kind === 'files' && path.resolve(abs) === path.resolve(root, 'mlruns'));
  const file = configPath(root);
  const text = existsSync(file) ? readFileSync(file, 'utf8') : `version: ${CONFIG_VERSION}\n`;
  const doc = parseDocument(text);
  if (doc.errors.length) {
    throw new MlopsError('config', `mlops.yaml is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`, { location: { file }, hint: 'fix it first; nothing was changed' });
  }
  if (doc.contents === null) doc.contents = doc.createNode({ version: CONFIG_VERSION }) as unknown as typeof doc.contents;
  if (!isMap(doc.contents)) throw new MlopsError('config', 'mlops.yaml must be a mapping of sections', { location: { file, line: 1 }, hint: 'nothing was changed' });
  let section = doc.get('experiments', true);
  if (section === undefined || section === null || (isScalar(section) && section.value === null)) {
    doc.set('experiments', doc.createNode({}));
    section = doc.get('experiments', true);
  }
  if (!isMap(section)) throw new MlopsError('config', "'experiments' in mlops.yaml must be a mapping", { location: { file }, hint: 'nothing was changed' });
  const current = section.get('mlflow', true);
  const existing: string[] = [];
  if (isSeq(current)) for (const item of current.items) existing.push(String(isScalar(item) ? item.value : item));
  else if (isScalar(current) && typeof current.value === 'string') existing.push(current.value);
  else if (current !== undefined && !(isScalar(current) && current.value === null)) {
    throw new MlopsError('config', "'experiments.mlflow' in mlops.yaml must be a path or a list of paths", { location: { file }, hint: 'nothing was changed' });
  }
  if (existing.some((e) => path.resolve(resolveStorePath(root, e)) === path.resolve(abs))) return { entry, kind, added: false, discovered };
  const list = doc.createNode([...existing, entry]);
  if (isSeq(current) && current.flow) list.flow = true;
  section.set('mlflow', list);
  await writeFileAtomic(file, doc.toString());
  return { entry, kind, added: true, discovered };
}
