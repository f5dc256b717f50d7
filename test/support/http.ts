// Untyped JSON for assertions: tests check shapes with chai, not with the compiler.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function json(res: Response | Promise<Response>): Promise<any> {
  return (await res).json();
}
