// Who is logged in, and the CSRF token every change carries.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { setCsrfToken } from '../api/http'
import * as session from '../api/session'

export const useSessionStore = defineStore('session', () => {
  const user = ref<session.Me | null>(null)
  const checked = ref(false)

  function accept(answer: session.SessionAnswer) {
    user.value = answer.user
    setCsrfToken(answer.csrf)
  }

  // Whether a session cookie is there and live (asked once per page load).
  async function restore(): Promise<boolean> {
    if (!checked.value) {
      try {
        accept(await session.currentSession())
      } catch {
        user.value = null
      }
      checked.value = true
    }
    return user.value !== null
  }

  async function login(id: string, password: string) {
    accept(await session.login(id, password))
    checked.value = true
  }

  async function logout() {
    try {
      await session.logout()
    } finally {
      forget()
    }
  }

  function forget() {
    user.value = null
    setCsrfToken('')
    checked.value = true
  }

  return { user, restore, login, logout, forget }
})
