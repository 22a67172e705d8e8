# And this same {{.Values.what}} that smiles {{.Values.global.when}}
