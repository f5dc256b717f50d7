// The membership pages, one chunk the console fetches the first time one of them is opened (app.tsx), like the
// money pages: a business that sells no memberships never downloads them.
export { PlansPage, PlanPage } from './plans.tsx';
export { PacksPage, PackPage } from './packs.tsx';
export { MembersPage } from './members.tsx';
export { MemberPage } from './member.tsx';
