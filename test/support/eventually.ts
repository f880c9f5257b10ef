/** How long until `probe` answers `status`, polled every 10 ms; fails after 2 s. */
export async function msUntil(status: number, probe: () => Promise<{ status: number }>): Promise<number> {
  const startedAt = Date.now();
  for (;;) {
    if ((await probe()).status === status) return Date.now() - startedAt;
    if (Date.now() - startedAt > 2_000) throw new Error(`not ${status} within 2 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
