/**
 * The little XML a SOAP connector needs, without a dependency: text escaped into an element, and a strict reader of
 * an answer's elements with their namespaces resolved. Pure.
 *
 * Contract of `readXml`:
 * - Reads elements, attributes, text, CDATA, comments and processing instructions (both skipped), the five
 *   predefined entities and character references. Namespace prefixes (and default namespaces) are resolved to URIs.
 * - Refuses a document type declaration (`<!DOCTYPE`), so no entity of the sender's is ever expanded (no XXE, no
 *   entity expansion bombs), more than `maxDepth` nested elements, an unknown entity, and any markup that is not
 *   well formed (unclosed or crossed tags, a second root, an undeclared prefix): it throws XmlError.
 * - Line ends in text are normalised as XML says (CR LF and lone CR become LF); a CR sent as `&#13;` stays a CR.
 */

export class XmlError extends Error {
  override readonly name = 'XmlError';
}

export interface XmlElement {
  /** The local name (without prefix). */
  name: string;
  /** The namespace URI, '' when none. */
  ns: string;
  attrs: Record<string, string>;
  children: Array<XmlElement | string>;
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/**
 * XML 1.0 cannot carry these characters at all, escaped or not: C0 controls other than tab, LF and CR, U+FFFE/F, and
 * a surrogate without its pair (which UTF-8 cannot encode either).
 */
const NOT_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether a text can be put into an XML 1.0 element at all. */
export function isXmlText(text: string): boolean {
  return !NOT_XML.test(text);
}

/**
 * Text as element content: & < > escaped, and CR written as `&#13;` so that the receiver's parser does not turn it
 * into LF (an HL7 message's segments are ended by CR). The caller checks isXmlText first.
 */
export function escapeXmlText(text: string): string {
  return text.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(raw: string): string {
  const text = raw.replace(/\r\n?/g, '\n');
  return text.replace(/&([^;&\s]*);|&/g, (whole, ref: string | undefined) => {
    if (ref === undefined) throw new XmlError('a bare & in text');
    if (ref in ENTITIES) return ENTITIES[ref] as string;
    const m = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(ref);
    if (!m) throw new XmlError(`an unknown entity &${ref.slice(0, 20)};`);
    const code = m[1] !== undefined ? parseInt(m[1], 16) : Number(m[2]);
    if (code > 0x10ffff || code === 0) throw new XmlError('a character reference out of range');
    return String.fromCodePoint(code);
  });
}

const NAME = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?/;
const ATTR = /^\s+([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/;

interface Open {
  qname: string;
  el: XmlElement;
  scope: Map<string, string>;
}

/** The document's root element; throws XmlError (see the contract above). */
export function readXml(text: string, maxDepth = 64): XmlElement {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: Open[] = [];
  let root: XmlElement | undefined;
  const rootScope = new Map<string, string>([['xml', XML_NS]]);
  const scopeOf = () => (stack.length ? (stack[stack.length - 1] as Open).scope : rootScope);
  const resolve = (qname: string, scope: Map<string, string>, isAttr: boolean): { ns: string; local: string } => {
    const colon = qname.indexOf(':');
    if (colon < 0) return { ns: isAttr ? '' : (scope.get('') ?? ''), local: qname };
    const prefix = qname.slice(0, colon);
    const ns = scope.get(prefix);
    if (ns === undefined) throw new XmlError(`the prefix ${prefix.slice(0, 20)} is not declared`);
    return { ns, local: qname.slice(colon + 1) };
  };
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = lt < 0 ? text.slice(i) : text.slice(i, lt);
    if (chunk.length) {
      if (stack.length) (stack[stack.length - 1] as Open).el.children.push(decode(chunk));
      else if (chunk.trim() !== '') throw new XmlError('text outside the root element');
    }
    if (lt < 0) break;
    i = lt;
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) throw new XmlError('an unclosed comment');
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end < 0 || !stack.length) throw new XmlError('a CDATA section outside an element or unclosed');
      (stack[stack.length - 1] as Open).el.children.push(text.slice(i + 9, end).replace(/\r\n?/g, '\n'));
      i = end + 3;
    } else if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) throw new XmlError('an unclosed processing instruction');
      i = end + 2;
    } else if (text.startsWith('<!', i)) {
      throw new XmlError('a document type declaration (refused: no DTDs)');
    } else if (text.startsWith('</', i)) {
      const m = NAME.exec(text.slice(i + 2, i + 2 + 200));
      const top = stack.pop();
      if (!m || !top || m[0] !== top.qname) throw new XmlError('a closing tag that does not match its opening tag');
      i += 2 + m[0].length;
      const gt = /^\s*>/.exec(text.slice(i, i + 100));
      if (!gt) throw new XmlError('a malformed closing tag');
      i += gt[0].length;
      if (!stack.length) root = top.el;
    } else {
      if (root) throw new XmlError('a second root element');
      const m = NAME.exec(text.slice(i + 1, i + 1 + 200));
      if (!m) throw new XmlError('a malformed tag');
      const qname = m[0];
      i += 1 + qname.length;
      const rawAttrs: Array<[string, string]> = [];
      for (;;) {
        const a = ATTR.exec(text.slice(i, i + 10_000));
        if (!a) break;
        rawAttrs.push([a[1] as string, decode(a[2] ?? a[3] ?? '')]);
        i += a[0].length;
      }
      const close = /^\s*(\/?)>/.exec(text.slice(i, i + 100));
      if (!close) throw new XmlError('a malformed tag');
      i += close[0].length;
      const scope = new Map(scopeOf());
      for (const [k, v] of rawAttrs) {
        if (k === 'xmlns') scope.set('', v);
        else if (k.startsWith('xmlns:')) scope.set(k.slice(6), v);
      }
      const { ns, local } = resolve(qname, scope, false);
      const attrs: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const [k, v] of rawAttrs) {
        if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
        attrs[resolve(k, scope, true).local] = v;
      }
      const el: XmlElement = { name: local, ns, attrs, children: [] };
      if (stack.length) (stack[stack.length - 1] as Open).el.children.push(el);
      if (close[1] === '/') {
        if (!stack.length) root = el;
      } else {
        if (stack.length >= maxDepth) throw new XmlError(`more than ${maxDepth} nested elements`);
        stack.push({ qname, el, scope });
      }
    }
  }
  if (stack.length || !root) throw new XmlError(root ? 'an unclosed element' : 'no root element');
  return root;
}

/** The element's child elements, optionally only those of one local name (and namespace). */
export function childElements(el: XmlElement, name?: string, ns?: string): XmlElement[] {
  return el.children.filter(
    (c): c is XmlElement => typeof c !== 'string' && (name === undefined || c.name === name) && (ns === undefined || c.ns === ns),
  );
}

/** The first child element of that local name (and namespace), if any. */
export function child(el: XmlElement | undefined, name: string, ns?: string): XmlElement | undefined {
  return el ? childElements(el, name, ns)[0] : undefined;
}

/** The element's own text (its text and CDATA children, not its descendants'). */
export function textOf(el: XmlElement | undefined): string {
  return el ? el.children.filter((c): c is string => typeof c === 'string').join('') : '';
}
