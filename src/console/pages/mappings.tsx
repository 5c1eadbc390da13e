/**
 * Page `#/mappings` (operator reads, admin edits): the list of live mappings, and `#/mappings/<name>` opens one
 * in the editor (mapping-editor.tsx). GET /api/mappings lists them with the stored version that holds each live
 * text (none when the file was changed outside the console since the last save).
 */
import { Empty, Show, useLoad } from '../components';
import { listMappings } from '../ops-api';
import { href } from '../router';
import type { PageProps } from './index';
import { MappingEditorPage } from './mapping-editor';

export function MappingsPage({ route, user }: PageProps) {
  const name = route.parts[1];
  if (name) return <MappingEditorPage key={name} name={name} user={user} />;
  return <MappingList />;
}

function MappingList() {
  const loaded = useLoad(() => listMappings(), []);
  return (
    <section aria-labelledby="mappings-title">
      <h1 id="mappings-title">Mappings</h1>
      <p class="hint">
        A mapping turns a message into charges, patients and coverages. Open one to read it, try changes on recent messages, and see its
        versions.
      </p>
      <Show loaded={loaded} what="mappings">
        {({ mappings }) =>
          mappings.length === 0 ? (
            <Empty>No mapping is loaded: the engine found no file in its mappings folder.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Mapping</th>
                  <th>Description</th>
                  <th>Version</th>
                  <th>File</th>
                </tr>
              </thead>
              <tbody>
                {mappings.map((m) => (
                  <tr key={m.name}>
                    <td>
                      <a href={href(`/mappings/${m.name}`)}>{m.name}</a>
                    </td>
                    <td>{m.description}</td>
                    <td>
                      {m.version === null ? (
                        <span class="muted" title="the live text is not a saved version (the file was changed outside the console)">
                          unsaved file
                        </span>
                      ) : (
                        `v${m.version}`
                      )}
                    </td>
                    <td class="mono muted">{m.file}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
    </section>
  );
}
