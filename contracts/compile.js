// Compiles AnchorRegistry.sol with solc-js (the pinned npm `solc`) into
// out/AnchorRegistry.abi (JSON) and out/AnchorRegistry.bin (hex creation code).
// These are build outputs: never edit them by hand.
//
// EVM_VERSION (default "paris": no PUSH0/MCOPY, accepted by ganache 7.9 and by
// the EVM of FISCO BCOS 3 / ChainMaker) selects the target instruction set.
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const src = path.join(__dirname, "AnchorRegistry.sol");
const out = path.join(__dirname, "out");
const input = {
  language: "Solidity",
  sources: { "AnchorRegistry.sol": { content: fs.readFileSync(src, "utf8") } },
  settings: {
    evmVersion: process.env.EVM_VERSION || "paris",
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { "*": { AnchorRegistry: ["abi", "evm.bytecode.object"] } },
  },
};
const res = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (res.errors || []).filter((e) => e.severity === "error");
for (const e of res.errors || []) process.stderr.write(e.formattedMessage + "\n");
if (errors.length) process.exit(1);
const c = res.contracts["AnchorRegistry.sol"].AnchorRegistry;
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, "AnchorRegistry.abi"), JSON.stringify(c.abi, null, 2) + "\n");
fs.writeFileSync(path.join(out, "AnchorRegistry.bin"), c.evm.bytecode.object + "\n");
console.log(`solc ${solc.version()} (${input.settings.evmVersion}): ${c.evm.bytecode.object.length / 2} bytes -> ${out}`);
