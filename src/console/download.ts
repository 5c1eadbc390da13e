/**
 * Saves text fetched through the API as a file in the browser (a Blob and a temporary object URL on a hidden
 * link), so downloads go through the session cookie and carry nothing in the URL but ids and filters.
 */
export function saveText(fileName: string, text: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
