"""Multi-document YAML files (``---`` between documents), each read safely with the lines of its fields.

slokit's own definitions hold one service a file (:func:`slokit.spec.yamlsafe.load_document` refuses a
second document); Sloth specs, Kubernetes manifests and OpenSLO files often hold several. Each document is
built with the same safe builder (standard tags only, duplicate keys reported, aliases bounded), and its
lines are the file's lines, not the document's.
"""

from __future__ import annotations

import yaml

from slokit.spec import yamlsafe
from slokit.spec.yamlsafe import Document, YamlProblem


def load_documents(text: str) -> list[Document]:
    """Every non-empty document of ``text``. Raises :class:`YamlProblem` (file line) on a syntax error,
    which makes the whole file unreadable: YAML cannot resume after one."""
    loader = yamlsafe._CountingLoader(text)
    documents: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            doc = Document(data=None)
            doc.data = yamlsafe._Builder(doc).build(node, ())
            if doc.data is not None:  # `---` at the end of a file, or twice in a row
                documents.append(doc)
    except yamlsafe._TooManyValues:
        raise yamlsafe._too_many(yamlsafe._line_reached(loader)) from None
    except yaml.MarkedYAMLError as exc:
        raise yamlsafe._problem_from(exc, text) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise YamlProblem(line, f"not a text file: unacceptable character #x{exc.character:04x}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(1, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return documents
