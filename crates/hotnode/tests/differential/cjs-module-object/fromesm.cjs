console.log("fromesm:", module.parent, require.main && require.main.id, module.id === __filename);
