# Synthetic closure for bench/nix: `n` paths of about `size` bytes each, half random
# (incompressible), half text (compressible). Path i references path i/2, and the root
# references every path, so the closure has depth and fan-out like a real system.
{ n ? 100, size ? 1000000, salt ? "v1" }:
let
  mk = name: script: derivation {
    inherit name;
    system = builtins.currentSystem;
    builder = "/bin/sh";
    PATH = "/usr/bin:/bin";
    args = [ "-c" script ];
  };
  path = i:
    let parent = if i == 0 then "" else "${paths.${toString (i / 2)}}"; in
    mk "nixwrt-bench-${salt}-${toString i}" (''
      mkdir -p $out/bin $out/share
      echo '${parent}' > $out/share/parent
      printf '#!/bin/sh\necho ${toString i}\n' > $out/bin/p${toString i}; chmod +x $out/bin/p${toString i}
      ln -s ../share/parent $out/bin/parent
    '' + (if (i / 2) * 2 == i
      then "head -c ${toString size} /dev/urandom > $out/share/data.bin\n"
      else "seq -f 'line %g of a compressible text file in the nixwrt benchmark' 1 ${toString (size / 60)} > $out/share/data.txt\n"));
  paths = builtins.listToAttrs (map (i: { name = toString i; value = path i; }) (builtins.genList (x: x) n));
in mk "nixwrt-bench-${salt}-root" ''
  mkdir $out
  echo ${toString (builtins.attrValues paths)} > $out/all
''
