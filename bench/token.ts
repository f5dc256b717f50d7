// An access token for a bench client (client_credentials), as any machine client gets one.
export async function accessToken(issuer: string, client: { clientId: string; clientSecret: string }, resource: string, scope?: string): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, ...(scope ? { scope } : {}) }).toString(),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token for ${resource}: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}
