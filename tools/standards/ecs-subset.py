"""Writes a compact machine-readable description of ECS from a checkout of elastic/ecs at a tag:
every field's name, type, normalization, allowed values and, for event.category, the event types each
category expects (no prose). Usage: ecs-subset.py <ecs repo> <tag> > ecs-<version>-fields.json"""
import json, subprocess, sys
import yaml
repo, tag = sys.argv[1], sys.argv[2]
flat = yaml.safe_load(subprocess.check_output(['git', '-C', repo, 'show', f'{tag}:generated/ecs/ecs_flat.yml']))
fields, category_types = {}, {}
for name, spec in sorted(flat.items()):
    entry = {'type': spec['type']}
    if spec.get('normalize'): entry['normalize'] = spec['normalize']
    if spec.get('allowed_values'):
        entry['allowed'] = [value['name'] for value in spec['allowed_values']]
        if name == 'event.category':
            category_types = {value['name']: value.get('expected_event_types', []) for value in spec['allowed_values']}
    if spec.get('expected_values'): entry['expected'] = spec['expected_values']
    fields[name] = entry
print(json.dumps({'version': tag.lstrip('v'), 'fields': fields, 'category_event_types': category_types}, indent=1))
