/** pppd secrets: chap-secrets and pap-secrets have the same format (client server secret ips). */
export function pppSecrets(username: string, password: string): string {
  const q = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;
  return `# client\tserver\tsecret\taddresses\n${q(username)}\t*\t${q(password)}\t*\n`;
}
