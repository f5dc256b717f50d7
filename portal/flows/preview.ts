// A step of a flow's draft as customers will see it, for the console's live preview (Admin API
// `POST /flows/{slug}/preview`): the flow page's own template and branding, with sample answers where a step reads
// an earlier one (a time step offers the times of the first service the service step offers).
import * as runner from '../api/flows/runner.ts';
import type { FlowPreview } from '../api/flows/service.ts';
import type { Render } from '../../lib/views.ts';
import { brandOf, stepPage } from './pages.ts';

export function createFlowPreview(render: Render): FlowPreview {
  return async (tenant, draft, index, nonce) => {
    const answers: runner.Answers = {};
    const at = draft.steps.findIndex((s) => s.kind === 'service');
    const serviceStep = draft.steps[at];
    if (serviceStep?.kind === 'service' && at < index) {
      const [first] = await runner.servicesOf(tenant.id, serviceStep);
      if (first) answers[at] = { serviceId: first.id, name: first.name } satisfies runner.ServiceAnswer;
    }
    const flowPath = `${tenant.issuer}/flows/${draft.slug}`;
    const page = await stepPage(tenant.id, { steps: draft.steps, answers, version: { title: draft.title } }, index, {
      flowPath,
      loginUrl: `${tenant.issuer}/flows/login`,
      logoutUrl: `${tenant.issuer}/flows/logout`,
      customer: undefined,
      errors: undefined,
    });
    // No way out of the frame: the preview shows the step, not the links that would leave it.
    const org = await brandOf(tenant, draft.portal);
    return render('flow-step', { ...page, back: undefined, org, ...(nonce ? { nonce } : {}) }, tenant.slug);
  };
}
