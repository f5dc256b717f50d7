// biome-ignore lint/suspicious/noExplicitAny: untyped JSON for assertions: tests check shapes with chai, not with the compiler
export async function json(res: Response | Promise<Response>): Promise<any> {
  return (await res).json();
}
