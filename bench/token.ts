// What the benches ask of the server as any client would: an access token (client_credentials), Admin API writes.
export async function accessToken(
  issuer: string,
  client: { clientId: string; clientSecret: string },
  resource: string,
  scope?: string,
): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, ...(scope ? { scope } : {}) }).toString(),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token for ${resource}: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** POSTs to an organisation's Admin API with `token` and returns the created entry; anything but 201 throws. */
export function adminPost(issuer: string, token: string) {
  return async (path: string, body: object): Promise<{ id: string }> => {
    const res = await fetch(`${issuer}/admin/v1/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { id: string };
    if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}
