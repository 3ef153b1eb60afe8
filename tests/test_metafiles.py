"""The metafiles (``configs/<task>/metafile.yml``) are well-formed model-index files that name configs that exist.

That their ``Parameters`` are what the listed models train (paper targets, docs/design.md) is checked
where the models are built: ``test_classification_configs``, ``test_detection_configs`` and
``test_segmentation_configs``, each of which also checks that it builds every metafile model of its task.
"""
from pathlib import Path

import pytest

from protuning_mm.analysis.metafiles import TASKS, find_root, is_measured, load_metafile

ROOT = Path(__file__).resolve().parents[1]

PAPER_URL = 'https://arxiv.org/abs/2207.14381'
@pytest.mark.parametrize('task', TASKS)
def test_metafile_is_model_index(task):
    meta = load_metafile(task, ROOT)
    collections = {c['Name'] for c in meta['Collections']}
    for c in meta['Collections']:
        assert c['Paper']['URL'] == PAPER_URL and (ROOT / c['README']).is_file(), c
    names = [m['Name'] for m in meta['Models']]
    assert len(names) == len(set(names)), 'model names must be unique'
    for m in meta['Models']:
        assert m['In Collection'] in collections, m['Name']
        assert (ROOT / m['Config']).is_file(), m['Config']
        assert m['Config'].startswith(f'configs/{task}/') and m['Config'].endswith(f"/{m['Name']}.py")
        assert m['Paper']['URL'] == PAPER_URL
        assert m['Metadata']['Training Data']
        if is_measured(m):  # no paper number: our measured count (checked where the config is built), no result
            assert 'Paper Table' not in m['Metadata'] and 'Other Parameter Counts' not in m['Metadata'], m['Name']
            assert m['Results'] is None and isinstance(m['Metadata']['Parameters'], int), m['Name']
            continue
        assert m['Metadata']['Paper Table'].startswith('Table ')
        assert m['Results'] and all(r['Task'] and r['Dataset'] and r['Metrics'] for r in m['Results'])
        params = m['Metadata'].get('Parameters')
        assert params is None or (isinstance(params, int) and params > 0), m['Name']
        prompts = m['Metadata'].get('Prompt Parameters')  # the prompt blocks alone: fewer than the total
        assert prompts is None or (isinstance(prompts, int) and 0 < prompts < params), m['Name']
        for other in m['Metadata'].get('Other Parameter Counts', []):
            assert set(other) <= {'Paper Table', 'Paradigm', 'Parameters Head Classes', 'Parameters'}, other
            table, paradigm = other['Paper Table'], other.get('Paradigm', m['Metadata']['Paradigm'])
            assert table.startswith('Table '), (m['Name'], other)
            own = (m['Metadata']['Paper Table'], m['Metadata']['Paradigm'])
            assert (table, paradigm) != own, f"{m['Name']}: {other} repeats the model's own count"
            assert isinstance(other['Parameters'], int) and other['Parameters'] > 0, (m['Name'], other)


def test_the_checkout_is_found_from_a_path_inside_it_and_its_absence_names_the_fix(tmp_path):
    assert find_root(ROOT / 'configs' / 'detection') == find_root(ROOT) == ROOT
    with pytest.raises(FileNotFoundError, match=r'not in the installed package.*root=<the checkout>'):
        find_root(tmp_path)
