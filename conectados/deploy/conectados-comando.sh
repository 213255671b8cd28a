#!/bin/sh
# «conectados» para las personas: escrito por «conectados servicio instalar», que lo reescribe
# en cada actualización (no lo edite). Ejecuta Conectados como lo ejecuta el servicio: con el
# usuario @USER@, en la carpeta @FOLDER@ y con los secretos de @ENV_FILE@, que solo root
# lee. Úselo con sudo: «sudo conectados status». Los secretos viajan en el entorno del
# proceso, nunca en la línea de órdenes.
set -eu
user=@USER@
if [ "$(id -u)" -eq 0 ]; then
    as_user="runuser -u $user --"
elif [ "$(id -un)" = "$user" ]; then
    as_user=""
else
    echo "Error: este comando ejecuta Conectados como el usuario del servicio ($user), con sus secretos; use «sudo conectados …» (vea docs/instalacion.md)." >&2
    exit 2
fi
env_file=@ENV_FILE@
if [ ! -r "$env_file" ]; then
    echo "Error: no se puede leer el archivo de secretos $env_file; use «sudo conectados …»." >&2
    exit 2
fi
while IFS= read -r line || [ -n "$line" ]; do
    case $line in
        '' | '#'*) continue ;;
    esac
    name=${line%%=*}
    case $name in
        '' | [0-9]* | *[!A-Za-z0-9_]* | "$line")
            echo "Error: $env_file: hay una línea que no es NOMBRE=valor; corríjala." >&2
            exit 2
            ;;
    esac
    value=${line#*=}
    case $value in
        \"*\") value=${value#\"}; value=${value%\"} ;;
        \'*\') value=${value#\'}; value=${value%\'} ;;
    esac
    export "$name=$value"
done <"$env_file"
@EXTRA_ENVIRONMENT@cd @FOLDER@
exec $as_user @PROGRAM@ "$@"
