/**
 * Cycle detection for `needs`: Tarjan's strongly connected components, iterative so a long chain of
 * tasks cannot overflow the stack, and linear in tasks plus edges.
 */

/**
 * One cycle per strongly connected component that has one (a component of two or more nodes, or a
 * node that needs itself), as node indexes from the component's lowest index back to it, e.g.
 * `[0, 2, 1, 0]`. `edges[v]` lists the nodes `v` points at. Cycles come out ordered by first node.
 */
export function findCycles(edges: readonly (readonly number[])[]): number[][] {
  const n = edges.length;
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const component = new Array<number>(n).fill(-1);
  const components: number[][] = [];
  const stack: number[] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]];
    while (work.length > 0) {
      const frame = work[work.length - 1] as [number, number];
      const [v, i] = frame;
      if (i === 0 && index[v] === -1) {
        index[v] = low[v] = counter++;
        stack.push(v);
        onStack[v] = true;
      }
      const next = edges[v]?.[i];
      if (next !== undefined) {
        frame[1] = i + 1;
        if (next < 0 || next >= n) continue;
        if (index[next] === -1) work.push([next, 0]);
        else if (onStack[next]) low[v] = Math.min(low[v] ?? 0, index[next] ?? 0);
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent[0]] = Math.min(low[parent[0]] ?? 0, low[v] ?? 0);
      if (low[v] === index[v]) {
        const members: number[] = [];
        let w: number;
        do {
          w = stack.pop() as number;
          onStack[w] = false;
          component[w] = components.length;
          members.push(w);
        } while (w !== v);
        components.push(members);
      }
    }
  }
  const cycles: number[][] = [];
  for (const [c, members] of components.entries()) {
    const start = Math.min(...members);
    const selfLoop = (edges[start] ?? []).includes(start);
    if (members.length < 2 && !selfLoop) continue;
    cycles.push(selfLoop ? [start, start] : shortestCycle(start, edges, component, c));
  }
  return cycles.sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
}

/** The shortest path start -> … -> start inside one component (breadth first). */
function shortestCycle(
  start: number,
  edges: readonly (readonly number[])[],
  component: number[],
  c: number,
): number[] {
  const previous = new Map<number, number>();
  const queue = [start];
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q] as number;
    for (const w of edges[v] ?? []) {
      if (component[w] !== c) continue;
      if (w === start) {
        const path = [start];
        for (let x: number | undefined = v; x !== undefined && x !== start; x = previous.get(x)) path.push(x);
        path.push(start);
        return path.reverse();
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}
