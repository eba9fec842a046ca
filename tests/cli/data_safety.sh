#!/usr/bin/env bash
# Data-safety checks of the real binary: pt2onnx never replaces its own inputs, never leaves a
# temporary file, and leaves an existing output untouched when a run fails or is interrupted.
# Usage: data_safety.sh CASE PT2ONNX FIXTURE_DIR WORK_DIR
# Cases that need a private mount namespace (unshare -m, as root) exit 77 when there is none,
# which ctest reports as skipped (SKIP_RETURN_CODE), never as passed.
set -uo pipefail
case_name=$1 bin=$2 fx=$3 work=$4/$1
rm -rf "$work" && mkdir -p "$work"
cd "$work" || exit 1

fail() { echo "FAIL: $*"; [[ -f stderr.txt ]] && { echo "--- stderr ---"; cat stderr.txt; }; exit 1; }
no_temp_files() {
  local left
  left=$(find "${1:-.}" -name '*.tmp[0-9]*')
  [[ -z $left ]] || fail "temporary file left: $left"
}
# run CODE PATTERN ARGS...: pt2onnx exits with CODE and its one error line matches PATTERN.
run() {
  local code=$1 pattern=$2
  shift 2
  "$bin" "$@" 2>stderr.txt >/dev/null
  local rc=$?
  [[ $rc -eq $code ]] || fail "pt2onnx $*: exit code $rc, expected $code"
  [[ $(head -n 1 stderr.txt) == "pt2onnx: error: "* ]] || fail "pt2onnx $*: no 'pt2onnx: error:' line"
  grep -Eq -- "$pattern" stderr.txt || fail "pt2onnx $*: stderr does not match /$pattern/"
  echo "ok: exit $rc: $(head -n 1 stderr.txt)"
}
unchanged() { [[ $(sha256sum <"$1") == "$2" ]] || fail "$1 was changed"; }
have_mount_namespace() { unshare -m true 2>/dev/null; }

case $case_name in
  same_file)
    # The model as the output: by its name, through a symbolic link, through a hard link, and
    # with the model itself given through a link.
    cp "$fx/tiny.pt" model.pt
    sum=$(sha256sum <model.pt)
    ln -s model.pt symlink.onnx
    ln model.pt hardlink.onnx
    run 4 "output path 'model.pt' is the model file 'model.pt' itself; writing it would destroy the model" \
      model.pt -o model.pt --input x:1x3x8x8
    for link in symlink.onnx hardlink.onnx; do
      run 4 "output path '$link' is the model file 'model.pt' itself \\(through a link\\)" \
        model.pt -o $link --input x:1x3x8x8
    done
    run 4 "output path 'model.pt' is the model file 'symlink.onnx' itself" symlink.onnx -o model.pt --input x:1x3x8x8
    # An --input-data file as the output.
    cp "$fx/image.npy" image.npy
    data_sum=$(sha256sum <image.npy)
    run 4 "output path 'image.npy' is the --input-data file 'image.npy'" \
      model.pt -o image.npy --input-data x=image.npy
    unchanged model.pt "$sum"
    unchanged image.npy "$data_sum"
    [[ -L symlink.onnx && $(stat -c %i hardlink.onnx) == $(stat -c %i model.pt) ]] || fail "a link was replaced"
    no_temp_files
    ;;
  existing_output_kept)
    # A run that fails at any stage leaves the previous output as it was.
    echo "previous output" >out.onnx
    sum=$(sha256sum <out.onnx)
    run 5 "aten::linalg_inv" "$fx/unsupported.pt" -o out.onnx --input x:2x3x3
    run 7 "the model failed when LibTorch ran it on the example input x" "$fx/tiny.pt" -o out.onnx --input x:1x3x8
    run 8 "is not a TorchScript archive but a state_dict saved with torch.save" "$fx/state_dict.pt" -o out.onnx --input x:1x3x8x8
    run 3 "is a truncated or damaged zip archive" "$fx/truncated.pt" -o out.onnx --input x:1x3x8x8
    # A write that fails part way: a 1 MB file size limit for a 4 MB model, and 20 MB for a 128 MB
    # one (whole staging buffers have gone to the disk, with direct I/O where the file system takes
    # it, when the limit stops the write).
    for limit in "1024 dense_4mb x:1x1024" "20480 dense_128mb x:1x4096"; do
      read -r blocks model input <<<"$limit"
      (ulimit -f "$blocks" && "$bin" "$fx/$model.pt" -o out.onnx --input "$input" 2>stderr.txt)
      [[ $? -eq 4 ]] || fail "the run past the file size limit ($model) did not exit 4"
      grep -q "cannot write 'out.onnx': file too large" stderr.txt || fail "the file size limit is not named ($model)"
      echo "ok: exit 4: $(head -n 1 stderr.txt)"
      unchanged out.onnx "$sum"
      no_temp_files
    done
    # and a run that succeeds replaces it.
    "$bin" "$fx/tiny.pt" -o out.onnx --input x:1x3x8x8 -q || fail "the good run failed"
    [[ $(sha256sum <out.onnx) != "$sum" ]] || fail "the good run did not replace the output"
    no_temp_files
    ;;
  no_space)
    have_mount_namespace || { echo "SKIP: needs unshare -m (root) to mount a 1 MB tmpfs"; exit 77; }
    # A 1 MB tmpfs in a private mount namespace: nothing outside this process tree sees it.
    mkdir -p mnt
    unshare -m bash -c '
      mount -t tmpfs -o size=1m tmpfs "$1" || exit 90
      echo "previous output" >"$1/out.onnx"
      "$2" "$3/dense_4mb.pt" -o "$1/out.onnx" --input x:1x1024 2>"$1/../stderr.txt"
      echo $? >"$1/../rc.txt"
      cat "$1/out.onnx" >"$1/../kept.txt"
      find "$1" -name "*.tmp[0-9]*" >"$1/../left.txt"' _ "$work/mnt" "$bin" "$fx" 2>/dev/null || true
    [[ -f rc.txt ]] || fail "could not mount a tmpfs"
    [[ $(cat rc.txt) -eq 4 ]] || fail "exit code $(cat rc.txt), expected 4"
    grep -Eq "cannot write '.*/out.onnx': no space left on device; free some space or write elsewhere with -o" \
      stderr.txt || fail "the full disk is not named"
    [[ $(cat kept.txt) == "previous output" ]] || fail "the existing output was changed"
    [[ ! -s left.txt ]] || fail "temporary file left: $(cat left.txt)"
    echo "ok: $(head -n 1 stderr.txt)"
    ;;
  read_only)
    have_mount_namespace || { echo "SKIP: needs unshare -m (root) to mount a read-only tmpfs"; exit 77; }
    mkdir -p mnt
    unshare -m bash -c '
      mount -t tmpfs -o size=1m,ro tmpfs "$1" || exit 90
      "$2" "$3/tiny.pt" -o "$1/out.onnx" --input x:1x3x8x8 2>"$1/../stderr.txt"
      echo $? >"$1/../rc.txt"' _ "$work/mnt" "$bin" "$fx" 2>/dev/null || true
    [[ -f rc.txt ]] || fail "could not mount a read-only tmpfs"
    [[ $(cat rc.txt) -eq 4 ]] || fail "exit code $(cat rc.txt), expected 4"
    grep -q "is not writable (read-only file system)" stderr.txt || fail "the read-only file system is not named"
    echo "ok: $(head -n 1 stderr.txt)"
    ;;
  permission)
    # A directory the user cannot write (as root, the run drops to nobody: root may write anywhere).
    mkdir locked && chmod 555 locked
    as_user=()
    [[ $(id -u) -eq 0 ]] && as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    cp "$fx/tiny.pt" model.pt && chmod 644 model.pt && chmod 755 .
    "${as_user[@]}" "$bin" model.pt -o locked/out.onnx --input x:1x3x8x8 2>stderr.txt
    rc=$?
    [[ $rc -eq 4 ]] || fail "exit code $rc, expected 4"
    grep -q "cannot write 'locked/out.onnx': directory 'locked' is not writable (permission denied)" stderr.txt ||
      fail "the permission problem is not named"
    [[ -z $(ls locked) ]] || fail "something was written into locked/"
    echo "ok: $(head -n 1 stderr.txt)"
    ;;
  interrupted)
    # SIGTERM and SIGINT at random points of a 128 MB conversion: before the write and during it.
    # An interrupted run exits 128 + the signal and leaves no temporary file; the output is always
    # either the old file or the complete new one (a signal can land after the rename).
    set -m  # background jobs keep SIGINT (without job control a script's background jobs ignore it)
    "$bin" "$fx/dense_128mb.pt" -o complete.onnx --input x:1x4096 -q || fail "the uninterrupted run failed"
    new_sum=$(sha256sum <complete.onnx)
    rm complete.onnx
    echo "previous output" >previous.txt
    old_sum=$(sha256sum <previous.txt)
    during_write=0
    for round in 0 1 2 3 4 5 6 7 8 9; do
      if ((round % 2)); then sig=INT code=130; else sig=TERM code=143; fi
      cp previous.txt out.onnx
      "$bin" "$fx/dense_128mb.pt" -o out.onnx --input x:1x4096 -q 2>stderr.txt &
      pid=$!
      if ((round < 4)); then
        sleep "0.$((RANDOM % 8))$((RANDOM % 10))"  # anywhere in the first 0.8 s: loading, running, writing
      else
        # Once the temporary file exists, after 0-40 ms more of writing.
        for _ in $(seq 1 1000); do
          [[ -n $(find . -name 'out.onnx.tmp*') ]] && break
          sleep 0.005
        done
        sleep "0.0$((RANDOM % 5))"
      fi
      writing=$([[ -n $(find . -name 'out.onnx.tmp*') ]] && echo 1 || echo 0)
      kill -s $sig $pid 2>/dev/null
      wait $pid
      rc=$?
      no_temp_files
      now=$(sha256sum <out.onnx)
      [[ $now == "$old_sum" || $now == "$new_sum" ]] || fail "round $round: out.onnx is neither the old nor the new file"
      if [[ $rc -eq 0 ]]; then
        [[ $now == "$new_sum" ]] || fail "round $round: exit 0 without the new output"
        echo "round $round: finished before SIG$sig"
        continue
      fi
      [[ $rc -eq $code ]] || fail "round $round: SIG$sig gave exit code $rc, expected $code"
      [[ -s stderr.txt ]] && fail "round $round: the interrupted run printed: $(cat stderr.txt)"
      [[ $writing == 1 && $now == "$old_sum" ]] && ((during_write += 1))
      echo "round $round: SIG$sig $( ((writing)) && echo during the write || echo before the write): exit $rc"
    done
    ((during_write >= 3)) || fail "only $during_write rounds interrupted the write itself"
    ;;
  *)
    fail "unknown case $case_name"
    ;;
esac
exit 0
