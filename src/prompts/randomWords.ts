/**
 * The word list of `#@ descriptors: random(...)` (the WaffleCLIP random-descriptor control).
 * Source: written for ClipBench — 256 common, neutral English words (nouns, adjectives and verbs
 * from everyday vocabulary), lower case, chosen to say nothing in particular about clothing.
 * The order is part of the format: draws index into it, so changing, reordering or extending the
 * list changes every random descriptor (the length 256 is in the documented generator): frozen.
 */
export const RANDOM_WORDS: readonly string[] = [
  'apple', 'river', 'window', 'garden', 'pencil', 'cloud', 'ladder', 'candle',
  'bridge', 'forest', 'kettle', 'mirror', 'planet', 'basket', 'engine', 'island',
  'market', 'pillow', 'rabbit', 'saddle', 'tunnel', 'violin', 'wagon', 'anchor',
  'barrel', 'cactus', 'desert', 'feather', 'glacier', 'harbor', 'jungle', 'lantern',
  'meadow', 'needle', 'orchard', 'pepper', 'quarry', 'rocket', 'shadow', 'temple',
  'valley', 'walnut', 'yellow', 'zebra', 'acorn', 'bamboo', 'carpet', 'dolphin',
  'elbow', 'falcon', 'ginger', 'hammer', 'iron', 'canyon', 'kitten', 'lemon',
  'magnet', 'nickel', 'ocean', 'parrot', 'quiet', 'ribbon', 'salmon', 'ticket',
  'umbrella', 'meteor', 'winter', 'yogurt', 'almond', 'butter', 'copper', 'daisy',
  'eagle', 'fossil', 'guitar', 'honey', 'insect', 'jigsaw', 'kernel', 'lizard',
  'marble', 'noodle', 'oyster', 'pebble', 'puzzle', 'radish', 'spider', 'tomato',
  'unicorn', 'vapor', 'whistle', 'yarn', 'arrow', 'bottle', 'castle', 'dragon',
  'ember', 'fountain', 'goblet', 'helmet', 'igloo', 'jelly', 'kayak', 'lagoon',
  'mango', 'napkin', 'olive', 'paddle', 'quill', 'raven', 'stone', 'thunder',
  'utensil', 'vessel', 'wizard', 'yacht', 'attic', 'beacon', 'cherry', 'domino',
  'echo', 'harvest', 'garlic', 'hollow', 'ivory', 'jewel', 'koala', 'ledger',
  'mosaic', 'nectar', 'onion', 'peanut', 'quartz', 'rubber', 'sugar', 'trumpet',
  'upper', 'violet', 'walrus', 'compass', 'autumn', 'bucket', 'cement', 'drum',
  'feast', 'flute', 'gravel', 'hedge', 'iceberg', 'juice', 'kite', 'lobster',
  'muffin', 'north', 'orbit', 'piano', 'quick', 'rain', 'silver', 'tiger',
  'urban', 'vine', 'wheat', 'young', 'album', 'brick', 'circle', 'dust',
  'early', 'flame', 'green', 'horse', 'inch', 'jump', 'knot', 'leaf',
  'metal', 'night', 'oven', 'paper', 'queen', 'road', 'salt', 'table',
  'uncle', 'voice', 'water', 'yard', 'angle', 'bread', 'chalk', 'door',
  'earth', 'field', 'glass', 'house', 'idea', 'joke', 'king', 'lake',
  'milk', 'nose', 'oil', 'plate', 'quilt', 'rope', 'sand', 'tree',
  'unit', 'vase', 'wood', 'zero', 'ash', 'bell', 'coin', 'deer',
  'egg', 'fish', 'gold', 'hill', 'ink', 'jar', 'key', 'lamp',
  'moon', 'nest', 'owl', 'pine', 'quote', 'rock', 'star', 'tent',
  'urn', 'van', 'wind', 'yolk', 'bird', 'corn', 'dawn', 'frog',
  'gate', 'hawk', 'lily', 'mint', 'pond', 'reed', 'snow', 'tide',
  'plum', 'seed', 'sail', 'wave', 'mask', 'tower', 'cliff', 'comet',
];
