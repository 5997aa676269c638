/**
 * The fixture's graphs opened with rfedit's session code (same providers, dtype conversion at the edge) but fed
 * directly, for goldens whose inputs are not what the engine feeds (float pixels, random token ids, batches).
 */
import { componentPath, type ComponentName } from '../flux/model-files.ts';
import {
  type LazySession,
  type SessionSettings,
  LazySession as Session,
  floatTensor,
  numberTensor,
  readFloats,
} from '../flux/onnx-session.ts';

export class RawSessions {
  private readonly sessions = new Map<ComponentName, LazySession>();

  constructor(
    private readonly modelDir: string,
    private readonly settings: SessionSettings,
  ) {}

  private session(component: ComponentName): LazySession {
    let session = this.sessions.get(component);
    if (!session) {
      session = new Session(componentPath(this.modelDir, component), this.settings);
      this.sessions.set(component, session);
    }
    return session;
  }

  /** Feeds the graph's first input (floats, or ids when it declares an integer type); returns its outputs by name. */
  async runAll(
    component: ComponentName,
    values: ArrayLike<number>,
    dims: number[],
  ): Promise<Record<string, Float32Array>> {
    const loaded = await this.session(component).get();
    const input = loaded.inputs[0];
    const tensor = input.type.startsWith('float')
      ? floatTensor(input, Float32Array.from(values), dims)
      : numberTensor(input, values, dims);
    const result = await loaded.session.run({ [input.name]: tensor });
    return Object.fromEntries(loaded.outputs.map((o) => [o.name, readFloats(result[o.name], o.name)]));
  }

  /** The first output only. */
  async run(component: ComponentName, values: ArrayLike<number>, dims: number[]): Promise<Float32Array> {
    const loaded = await this.session(component).get();
    return (await this.runAll(component, values, dims))[loaded.outputs[0].name];
  }

  async close(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
  }
}
