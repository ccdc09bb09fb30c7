// Writes a .gz beside every text asset of the build: the server sends it to browsers that
// take gzip (api.cpp static_file), so nothing is compressed per request.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync, constants } from 'node:zlib'

const root = new URL('../dist/', import.meta.url).pathname
const compressible = /\.(js|mjs|css|html|svg|json|txt)$/
let files = 0
let before = 0
let after = 0
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) walk(path)
    else if (compressible.test(name)) {
      const bytes = readFileSync(path)
      const zipped = gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION })
      writeFileSync(path + '.gz', zipped)
      files += 1
      before += bytes.length
      after += zipped.length
    }
  }
}
walk(root)
console.log(`gzip-dist: ${files} files, ${(before / 1024).toFixed(0)} KiB -> ${(after / 1024).toFixed(0)} KiB`)
