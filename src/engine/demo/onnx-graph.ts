/**
 * A small builder for ONNX graphs over onnx-proto, enough for the demo model and test stand-ins:
 * typed inputs/outputs with symbolic dims, float/int64 initializers and nodes with int/ints/float attributes.
 */
import onnxProto from 'onnx-proto';
import { type Dim, ELEM_TYPES, type ElemType } from '../flux/declared-io.ts';

export type { Dim, ElemType };

const { onnx } = onnxProto;
const DataType = onnx.TensorProto.DataType;
const AttributeType = onnx.AttributeProto.AttributeType;
export type Attribute = number | number[] | { float: number };

export class GraphBuilder {
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private counter = 0;

  constructor(private readonly name: string) {}

  input(name: string, type: ElemType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  output(name: string, type: ElemType, dims: readonly Dim[]): string {
    this.outputs.push(valueInfo(name, type, dims));
    return name;
  }

  floats(dims: readonly number[], values: ArrayLike<number>, name = this.fresh('w')): string {
    const raw = Buffer.from(Float32Array.from(values).buffer);
    this.initializers.push({ name, dataType: DataType.FLOAT, dims: [...dims], rawData: raw });
    return name;
  }

  int64s(values: readonly number[], name = this.fresh('i')): string {
    this.initializers.push({ name, dataType: DataType.INT64, dims: [values.length], int64Data: [...values] });
    return name;
  }

  scalar(value: number): string {
    return this.floats([], [value]);
  }

  /** Adds a node and returns its (first) output name. */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, Attribute> = {},
    output = this.fresh(opType),
  ): string {
    const attribute = Object.entries(attributes).map(([name, value]) => {
      if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
      if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
      return { name, type: AttributeType.FLOAT, f: value.float };
    });
    this.nodes.push({ opType, input: [...inputs], output: [output], attribute, name: output });
    return output;
  }

  /** Casts to float32 unless already float32 (fp16 exports keep I/O in fp16 and compute in fp32 here). */
  toFloat32(name: string, type: ElemType): string {
    return type === 'float32' ? name : this.op('Cast', [name], { to: ELEM_TYPES.float32 });
  }

  /** Writes `value` (float32) to the graph output `name` in the given type. */
  emit(value: string, name: string, type: ElemType, dims: readonly Dim[]): void {
    this.output(name, type, dims);
    if (type === 'float32') this.op('Identity', [value], {}, name);
    else this.op('Cast', [value], { to: ELEM_TYPES[type] }, name);
  }

  encode(): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'rfedit-demo',
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: this.name,
        input: this.inputs,
        output: this.outputs,
        node: this.nodes,
        initializer: this.initializers,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  private fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }
}

function valueInfo(name: string, type: ElemType, dims: readonly Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM_TYPES[type],
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}
