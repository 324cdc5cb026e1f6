/** Waits until a service process started by a test or script answers /health/ready. */
export async function waitReady(port: number, seconds = 90): Promise<void> {
  for (let i = 0; i < seconds * 4; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok) return;
    } catch {
      // still starting
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the service on port ${port} did not become ready within ${seconds} s`);
}
