// A list paged over the API's cursor (`next` -> `after`), with the pages seen kept for going
// back, and its filter kept in the URL's query (CONSOLE.md: every filter lives there).
import { computed, reactive, ref, watch } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { errorText } from '../api/http'
import type { Page } from '../api/brands'

export function useCursorPages<T, K extends string>(
  path: string,
  keys: readonly K[],
  fetchPage: (filter: Record<K, string>, after: string) => Promise<Page<T>>,
) {
  const route = useRoute()
  const router = useRouter()
  const filter = reactive(Object.fromEntries(keys.map((k) => [k, '']))) as Record<K, string>
  const rows = ref<T[]>([])
  const cursors = ref<string[]>([''])
  const next = ref<string | null>(null)
  const loading = ref(false)
  const error = ref('')

  function fromUrl() {
    for (const k of keys) {
      const v = route.query[k]
      filter[k] = typeof v === 'string' ? v : ''
    }
  }

  async function load(after = '') {
    loading.value = true
    error.value = ''
    try {
      const page = await fetchPage({ ...filter }, after)
      rows.value = page.items
      next.value = page.next
    } catch (e) {
      error.value = errorText(e)
      rows.value = []
    } finally {
      loading.value = false
    }
  }

  function restart() {
    fromUrl()
    cursors.value = ['']
    void load()
  }

  // Puts the filter in the URL; the list follows the URL.
  function search() {
    const query: Record<string, string> = {}
    for (const k of keys) if (filter[k]) query[k] = filter[k]
    void router.push({ path, query })
  }

  function nextPage() {
    if (!next.value) return
    cursors.value.push(next.value)
    void load(next.value)
  }

  function previousPage() {
    if (cursors.value.length <= 1) return
    cursors.value.pop()
    void load(cursors.value[cursors.value.length - 1])
  }

  watch(() => route.query, restart)

  // The filter the list shows (the URL's), not one being typed: what an export writes.
  const applied = computed(() => {
    const query: Record<string, string> = {}
    for (const k of keys) {
      const v = route.query[k]
      if (typeof v === 'string' && v) query[k] = v
    }
    return query
  })

  return {
    filter,
    applied,
    rows,
    next,
    loading,
    error,
    pageNumber: computed(() => cursors.value.length),
    restart,
    search,
    nextPage,
    previousPage,
  }
}
