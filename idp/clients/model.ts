import mongoose from 'mongoose';
import type { StaffRole } from '../../lib/resources.ts';
import { orgScopedSchema } from '../../lib/tenancy.ts';

export type ClientKind = 'web' | 'public' | 'machine';

/** OIDC client registration as oidc-provider reads it (snake_case metadata), minus the secret. */
export type ClientMetadata = {
  client_id: string;
  client_name: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  grant_types: string[];
  response_types: string[];
  token_endpoint_auth_method: 'client_secret_basic' | 'client_secret_post' | 'none';
  first_party: boolean;
  /** OIDC scopes the app may ask for (oidc-provider enforces it). */
  scope?: string;
  /** Client API scopes the app may ask for (the provider's resource-server policy enforces it). */
  resource_scopes?: string;
  backchannel_logout_uri?: string;
  backchannel_logout_session_required?: boolean;
  /** Public clients only: the origins of the websites it runs on, allowed cross-origin calls (CORS) to the token and userinfo endpoints. */
  web_origins?: string[];
  logo_uri?: string;
  policy_uri?: string;
  tos_uri?: string;
  /** Machine clients only: the staff role their Admin API tokens carry. */
  admin_role?: StaffRole;
};

export type StoredClient = {
  org: string;
  clientId: string;
  kind: ClientKind;
  metadata: ClientMetadata;
  /** Sealed with the master secret: oidc-provider needs the plain secret to compare, so it is encrypted, not hashed. */
  sealedSecret?: string;
  createdAt: Date;
  updatedAt?: Date;
};

const schema = orgScopedSchema<StoredClient>(
  {
    clientId: { type: String, required: true },
    kind: { type: String, required: true },
    metadata: { type: mongoose.Schema.Types.Mixed, required: true },
    sealedSecret: String,
    createdAt: { type: Date, default: () => new Date() },
    updatedAt: Date,
  },
  { versionKey: false },
);
schema.index({ org: 1, clientId: 1 }, { unique: true });

export const ClientModel = mongoose.model<StoredClient>('Client', schema, 'clients');
