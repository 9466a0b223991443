"""The messages a player is shown when protection refuses a bet, by language (a catalogue).

Each takes named values already formatted for the language: ``period`` (the period's
adjective), ``limit`` (an amount with its currency, or a duration), ``resets`` and ``until``
(local times in the configured zone), ``missing`` (limit names).
"""

from __future__ import annotations

LANGUAGES = ("en", "pt-BR")

CATALOGUE: dict[str, dict[str, str]] = {
    "en": {
        "DEPOSIT_LIMIT_REACHED": "This deposit would take you over your {period} deposit limit "
                                 "of {limit}. You can deposit again from {resets}.",
        "WAGER_LIMIT_REACHED": "This bet would take you over your {period} wagering limit of "
                               "{limit}. You can bet again from {resets}.",
        "LOSS_LIMIT_REACHED": "This bet would take you over your {period} loss limit of "
                              "{limit}. You can bet again from {resets}.",
        "BET_LIMIT_REACHED": "This bet is above your limit of {limit} for a single bet.",
        "SESSION_TIME_LIMIT_REACHED": "You have played this session for your limit of "
                                      "{limit}. Please take a break.",
        "PLAY_TIME_LIMIT_REACHED": "You have reached your {period} play time limit of "
                                   "{limit}. You can play again from {resets}.",
        "PLAYER_PAUSED": "Your play is paused until {until}.",
        "PLAYER_EXCLUDED": "You are excluded from play until {until}.",
        "LIMITS_REQUIRED": "Before you play, please set your limits: {missing}.",
        "indefinitely": "further notice",
        "day": "daily", "week": "weekly", "month": "monthly",
        "minutes": "{n} minutes",
        "time": "%Y-%m-%d %H:%M",
    },
    "pt-BR": {
        "DEPOSIT_LIMIT_REACHED": "Este depósito ultrapassaria o seu limite {period} de "
                                 "depósitos de {limit}. Você pode depositar novamente a partir "
                                 "de {resets}.",
        "WAGER_LIMIT_REACHED": "Esta aposta ultrapassaria o seu limite {period} de apostas de "
                               "{limit}. Você pode apostar novamente a partir de {resets}.",
        "LOSS_LIMIT_REACHED": "Esta aposta ultrapassaria o seu limite {period} de perdas de "
                              "{limit}. Você pode apostar novamente a partir de {resets}.",
        "BET_LIMIT_REACHED": "Esta aposta ultrapassa o seu limite de {limit} por aposta.",
        "SESSION_TIME_LIMIT_REACHED": "Você jogou nesta sessão o seu limite de {limit}. "
                                      "Faça uma pausa.",
        "PLAY_TIME_LIMIT_REACHED": "Você atingiu o seu limite {period} de tempo de jogo de "
                                   "{limit}. Você pode jogar novamente a partir de {resets}.",
        "PLAYER_PAUSED": "O seu jogo está pausado até {until}.",
        "PLAYER_EXCLUDED": "Você está excluído do jogo até {until}.",
        "LIMITS_REQUIRED": "Antes de jogar, defina os seus limites: {missing}.",
        "indefinitely": "novo aviso",
        "day": "diário", "week": "semanal", "month": "mensal",
        "minutes": "{n} minutos",
        "time": "%d/%m/%Y %H:%M",
    },
}
