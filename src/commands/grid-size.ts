/** A grid's size and a sweep's strengths: a leaf module, so option lists can use them when modules load. */
export const GRID_SIZE = 4;
export const SWEEP_STRENGTHS: readonly number[] = [0.25, 0.5, 0.75, 1];
