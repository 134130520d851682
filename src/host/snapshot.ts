/**
 * One snapshot per read (issue 17, item 6): a panel reads a network file from disk with the size
 * limit applied before any byte is read, and decodes it the way the CLI does (core/network/encoding).
 * Files on disk are opened once, examined on that handle (fstat: a regular file, its size) and read
 * from it, at most limit + 1 bytes, so a file swapped or grown after the check is still never read
 * whole; other schemes (remote, virtual) go through workspace.fs: stat first, and the bytes read are
 * checked against the limit again.
 */
import * as fs from 'node:fs/promises';
import * as vscode from 'vscode';
import { decodeNetworkBytes } from '../core/network/encoding';
import { sizeAboveLimit } from '../core/network/limits';

export type Snapshot = { ok: true; text: string } | { ok: false; message: string };

function tooLarge(name: string, size: number, limit: number): Snapshot {
  return { ok: false, message: `${name} is ${sizeAboveLimit(size, limit)} (setting depthLens.maxFileSizeMB)` };
}

/** The bytes of `uri`, or why they were not read. `limit` in bytes. */
export async function readBytesWithin(uri: vscode.Uri, limit: number, name: string): Promise<{ ok: true; bytes: Uint8Array } | { ok: false; message: string }> {
  if (uri.scheme === 'file') {
    const handle = await fs.open(uri.fsPath, 'r');
    try {
      const st = await handle.stat();
      if (!st.isFile()) return { ok: false, message: `${name} is not a regular file` };
      if (st.size > limit) return tooLarge(name, st.size, limit) as { ok: false; message: string };
      // read from the handle until its end, but never past limit + 1 bytes (a file growing meanwhile)
      const buf = new Uint8Array(Math.min(st.size, limit) + 1);
      let got = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buf, got, buf.length - got, got);
        if (bytesRead === 0) break;
        got += bytesRead;
        if (got === buf.length) break;
      }
      if (got > limit) return tooLarge(name, got, limit) as { ok: false; message: string };
      return { ok: true, bytes: buf.subarray(0, got) };
    } finally {
      await handle.close();
    }
  }
  const st = await vscode.workspace.fs.stat(uri);
  if (st.size > limit) return tooLarge(name, st.size, limit) as { ok: false; message: string };
  const bytes = await vscode.workspace.fs.readFile(uri);
  if (bytes.byteLength > limit) return tooLarge(name, bytes.byteLength, limit) as { ok: false; message: string };
  return { ok: true, bytes };
}

/** The text of a network file on disk, within the size limit and decoded as the CLI decodes it. */
export async function readNetworkSnapshot(uri: vscode.Uri, maxFileSizeMB: number, name: string): Promise<Snapshot> {
  const read = await readBytesWithin(uri, Math.floor(maxFileSizeMB * 1024 * 1024), name);
  if (!read.ok) return read;
  const decoded = decodeNetworkBytes(read.bytes, name);
  if (decoded.diagnostic) return { ok: false, message: decoded.diagnostic.message };
  return { ok: true, text: decoded.text };
}
