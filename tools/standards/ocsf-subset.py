"""Writes a compact machine-readable description of one OCSF class at one schema version:
attribute names, types, arrays, requirement, enum ids, profile membership (no prose)."""
import json, subprocess, sys
repo, tag, class_file = sys.argv[1], sys.argv[2], sys.argv[3]
def load(path):
    return json.loads(subprocess.check_output(['git', '-C', repo, 'show', f'{tag}:{path}']))
dictionary = load('dictionary.json')
dattrs, dtypes = dictionary['attributes'], dictionary['types']['attributes']
def base_type(t):
    while t in dtypes and 'type' in dtypes[t]: t = dtypes[t]['type']
    return t
types = {}
for name, t in dtypes.items():
    entry = {'base': base_type(name)}
    for k in ('regex', 'max_len', 'range', 'values'):
        if k in t: entry[k] = t[k]
    types[name] = entry
object_files = {}
for path in subprocess.check_output(['git', '-C', repo, 'ls-tree', '-r', '--name-only', tag, 'objects/']).decode().split():
    o = load(path); object_files[o['name']] = o
def merged_attributes(doc, profile=None):
    out = {}
    if 'extends' in doc and doc['extends'] in object_files and doc.get('name') != doc['extends']:
        out.update(merged_attributes(object_files[doc['extends']]))
    elif 'extends' in doc and doc['extends'] not in object_files:
        out.update(merged_attributes(load(f"events/{doc['extends']}.json") if doc['extends']=='base_event' else load(find_event(doc['extends']))))
    attrs = doc.get('attributes', {})
    for inc in attrs.get('$include', []):
        inc_doc = load(inc)
        prof = inc_doc.get('name') if inc_doc.get('meta') == 'profile' else None
        for k, v in merged_attributes(inc_doc, prof).items():
            out[k] = {**out.get(k, {}), **v}
    for k, v in attrs.items():
        if k == '$include': continue
        entry = {**out.get(k, {}), **{kk: vv for kk, vv in v.items() if kk in ('requirement', 'enum', 'type', 'is_array')}}
        if profile: entry['profile'] = profile
        out[k] = entry
    return out
def find_event(name):
    for path in subprocess.check_output(['git', '-C', repo, 'ls-tree', '-r', '--name-only', tag, 'events/']).decode().split():
        if path.endswith(f'/{name}.json') or path == f'events/{name}.json': return path
    raise KeyError(name)
def describe(attrs):
    out = {}
    for k, v in attrs.items():
        d = dattrs.get(k, {})
        t = v.get('type', d.get('type'))
        entry = {'type': t}
        if v.get('is_array', d.get('is_array')): entry['array'] = True
        entry['requirement'] = v.get('requirement', 'optional')
        enum = {**d.get('enum', {}), **v.get('enum', {})}
        if enum: entry['enum'] = {str(x): enum[x].get('caption') for x in sorted(enum, key=lambda x: int(x) if x.lstrip('-').isdigit() else 0)}
        if 'profile' in v: entry['profile'] = v['profile']
        if 'sibling' in d: entry['sibling'] = d['sibling']
        out[k] = entry
    return out
cls = load(class_file)
category = load('categories.json')['attributes'][cls.get('category') or load(find_event(cls['extends'])).get('category')]
class_uid = category['uid'] * 1000 + cls['uid']
class_attrs = describe(merged_attributes(cls))
class_attrs['class_uid']['enum'] = {str(class_uid): cls['caption']}
class_attrs['category_uid']['enum'] = {str(category['uid']): category['caption']}
class_attrs['type_uid']['enum'] = {str(class_uid * 100 + int(a)): f"{cls['caption']}: {c}" for a, c in class_attrs['activity_id']['enum'].items()}
objects, pending = {}, [a['type'] for a in class_attrs.values()]
while pending:
    t = pending.pop()
    if t.endswith('_t') or t in objects or t not in object_files: continue
    objects[t] = describe(merged_attributes(object_files[t]))
    pending.extend(a['type'] for a in objects[t].values())
used = sys.argv[4].split(',') if len(sys.argv) > 4 else None
print(json.dumps({
    'version': dictionary.get('version') or tag, 'schema_tag': tag,
    'class': {'uid': class_uid, 'category_uid': category['uid'], 'name': cls['name'], 'caption': cls['caption'], 'attributes': class_attrs},
    'objects': {k: v for k, v in sorted(objects.items()) if used is None or k in used},
    'undescribed_objects': sorted(k for k in objects if used is not None and k not in used),
    'types': {k: v for k, v in sorted(types.items())},
}, indent=1))
