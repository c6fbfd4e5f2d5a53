/**
 * MLflow `MLmodel` files (formats.md B.8): which flavors can load the model and its signature.
 * Read-only and forgiving: a broken signature is a warning, the flavors are still shown.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { MlmodelInfo, SignatureField } from './api.ts';

const MAX_BYTES = 1 << 20;

/** The `MLmodel` that describes an artifact: at a folder's root, the file itself, or beside a file. */
export async function findMlmodel(root: string, rel: string, kind: 'file' | 'dir'): Promise<string | undefined> {
  const candidates = kind === 'dir' ? [`${rel}/MLmodel`] : path.posix.basename(rel) === 'MLmodel' ? [rel] : [path.posix.join(path.posix.dirname(rel), 'MLmodel')];
  for (const c of candidates) {
    const st = await fs.stat(path.join(root, ...c.split('/'))).catch(() => undefined);
    if (st?.isFile()) return c;
  }
  return undefined;
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

function fields(raw: unknown, which: string, warnings: string[]): SignatureField[] | null {
  if (raw === undefined || raw === null || raw === '') return null;
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      warnings.push(`signature.${which} is not valid JSON`);
      return null;
    }
  }
  if (!Array.isArray(value)) {
    warnings.push(`signature.${which} is not a list of columns or tensors`);
    return null;
  }
  return value.map((f: Record<string, unknown>) => {
    const spec = f?.['tensor-spec'] as { dtype?: unknown; shape?: unknown } | undefined;
    const out: SignatureField = { name: typeof f?.name === 'string' ? f.name : null, type: text(f?.type) || 'unknown' };
    if (spec) {
      out.type = `tensor<${text(spec.dtype) || '?'}>`;
      if (Array.isArray(spec.shape)) out.shape = spec.shape.map(Number);
    }
    if (typeof f?.required === 'boolean') out.required = f.required;
    return out;
  });
}

export function parseMlmodel(relFile: string, source: string): MlmodelInfo {
  const warnings: string[] = [];
  let doc: Record<string, unknown> = {};
  try {
    const v: unknown = parseYaml(source, { maxAliasCount: 100 });
    if (v && typeof v === 'object' && !Array.isArray(v)) doc = v as Record<string, unknown>;
    else warnings.push('MLmodel is not a YAML mapping');
  } catch (e) {
    warnings.push(`MLmodel is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const flavors: MlmodelInfo['flavors'] = [];
  if (doc.flavors && typeof doc.flavors === 'object' && !Array.isArray(doc.flavors)) {
    for (const [name, cfg] of Object.entries(doc.flavors as Record<string, unknown>)) {
      const details: Record<string, string> = {};
      if (cfg && typeof cfg === 'object' && !Array.isArray(cfg)) for (const [k, v] of Object.entries(cfg)) details[k] = text(v);
      flavors.push({ name, details });
    }
  } else if (Object.keys(doc).length > 0) warnings.push('MLmodel has no flavors');
  let signature: MlmodelInfo['signature'] = null;
  if (doc.signature && typeof doc.signature === 'object') {
    const s = doc.signature as Record<string, unknown>;
    signature = { inputs: fields(s.inputs, 'inputs', warnings), outputs: fields(s.outputs, 'outputs', warnings), params: fields(s.params, 'params', warnings) };
  }
  const str = (k: string): string | null => (doc[k] === undefined || doc[k] === null ? null : text(doc[k]));
  return {
    file: relFile, flavors, signature, mlflowVersion: str('mlflow_version'), modelUuid: str('model_uuid'), runId: str('run_id'),
    createdAt: str('utc_time_created'), warnings,
  };
}

export async function readMlmodel(root: string, rel: string, kind: 'file' | 'dir'): Promise<MlmodelInfo | null> {
  const found = await findMlmodel(root, rel, kind);
  if (!found) return null;
  const abs = path.join(root, ...found.split('/'));
  const st = await fs.stat(abs);
  if (st.size > MAX_BYTES) return { file: found, flavors: [], signature: null, mlflowVersion: null, modelUuid: null, runId: null, createdAt: null, warnings: [`MLmodel is larger than ${MAX_BYTES} bytes; not read`] };
  return parseMlmodel(found, await fs.readFile(abs, 'utf8'));
}
