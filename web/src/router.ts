// CONSOLE.md's routes. Every page needs a session but /login; without one a page sends the
// user to /login and, once logged in, back to where it was going.
import { createRouter, createWebHistory } from 'vue-router'
import { setUnauthorizedHandler } from './api/http'
import { useSessionStore } from './stores/session'

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', component: () => import('./pages/LoginPage.vue'), meta: { public: true } },
    {
      path: '/',
      component: () => import('./components/AppLayout.vue'),
      children: [
        { path: '', component: () => import('./pages/WorkbenchPage.vue') },
        { path: 'brands', component: () => import('./pages/BrandsPage.vue') },
        { path: 'brands/:id', component: () => import('./pages/BrandPage.vue'), props: true },
        { path: 'rounds', component: () => import('./pages/RoundsPage.vue') },
        { path: 'rounds/:id', component: () => import('./pages/RoundPage.vue'), props: true },
        { path: 're-reviews', component: () => import('./pages/ReReviewsPage.vue') },
        { path: 'reports', component: () => import('./pages/ReportsPage.vue') },
        { path: 'audit', component: () => import('./pages/AuditPage.vue') },
        { path: 'events', component: () => import('./pages/EventsPage.vue') },
        { path: 'admin/users', component: () => import('./pages/AdminUsersPage.vue') },
        { path: 'admin/settings', component: () => import('./pages/AdminSettingsPage.vue') },
        { path: 'admin/orgs', component: () => import('./pages/AdminOrgsPage.vue') },
        { path: ':rest(.*)*', component: () => import('./pages/NotFoundPage.vue') },
      ],
    },
  ],
})

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  const session = useSessionStore()
  if (await session.restore()) return true
  return { path: '/login', query: { redirect: to.fullPath } }
})

setUnauthorizedHandler(() => {
  const session = useSessionStore()
  session.forget()
  const here = router.currentRoute.value
  if (!here.meta.public) void router.push({ path: '/login', query: { redirect: here.fullPath } })
})
