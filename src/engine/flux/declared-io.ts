/**
 * What a model file declares as its inputs and outputs, read from the protobuf without onnxruntime, so
 * `model check` can inspect exports that onnxruntime-node cannot open (bfloat16 I/O) without loading weights.
 */
import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const DataType = onnx.TensorProto.DataType;

export type ElemType = 'float32' | 'float16' | 'int64' | 'int32' | 'bfloat16';
export type Dim = number | string;

export const ELEM_TYPES: Record<ElemType, number> = {
  float32: DataType.FLOAT,
  float16: DataType.FLOAT16,
  int64: DataType.INT64,
  int32: DataType.INT32,
  bfloat16: DataType.BFLOAT16,
};

export interface DeclaredTensor {
  name: string;
  type: string;
  shape: Dim[];
}

export interface DeclaredIo {
  inputs: DeclaredTensor[];
  outputs: DeclaredTensor[];
  /** Files named by external-data initializers, relative to the model's folder. */
  externalFiles: string[];
}

export function readDeclaredIo(path: string): DeclaredIo {
  const model = onnx.ModelProto.decode(readFileSync(path));
  const graph = model.graph;
  const names = new Map<number, string>(Object.entries(ELEM_TYPES).map(([name, code]) => [code, name]));
  const describe = (v: onnxProto.onnx.IValueInfoProto): DeclaredTensor => {
    const tensor = v.type?.tensorType;
    const code = tensor?.elemType ?? 0;
    return {
      name: v.name ?? '',
      type: names.get(code) ?? `type ${code}`,
      shape: (tensor?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0))),
    };
  };
  const initializers = graph?.initializer ?? [];
  const weights = new Set(initializers.map((t) => t.name ?? ''));
  const externalFiles = new Set<string>();
  for (const t of initializers) {
    const location = (t.externalData ?? []).find((e) => e.key === 'location')?.value;
    if (location) externalFiles.add(location);
  }
  return {
    externalFiles: [...externalFiles],
    // Older exporters list initializers among the inputs; those are weights, not feeds.
    inputs: (graph?.input ?? []).filter((v) => !weights.has(v.name ?? '')).map(describe),
    outputs: (graph?.output ?? []).map(describe),
  };
}
